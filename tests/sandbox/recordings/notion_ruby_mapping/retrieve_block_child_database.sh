curl 'https://api.notion.com/v1/blocks/ea525a784669470db4258c4d7cb95667' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
