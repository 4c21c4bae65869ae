curl 'https://api.notion.com/v1/blocks/e4c0811c-7154-4fed-9e8c-02d885c898ef' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
