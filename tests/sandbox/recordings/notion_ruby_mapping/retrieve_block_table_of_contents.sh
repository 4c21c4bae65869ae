curl 'https://api.notion.com/v1/blocks/0de608aa-c31b-4c5c-a84a-ae48d8ea05b8' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
